// The payment path (Checkly browser check; docs/observability.md), fit for each stack (PAYMENT_MODE):
// - create-order-only (production, live keys): the synthetic merchant creates a one-rupee order through the
//   payments API and the order exists at the gateway. Nothing is paid or captured: a live capture would move
//   real money with a real card (test cards do not work in live mode) and leave a settlement to refund.
// - test-end-to-end (staging, test keys): the same order is paid on the hosted checkout with the gateway's test
//   card, and the order turns `paid` only when the gateway's own (test-mode) webhook reached the API and its
//   signature verified: webhook delivery, checked end to end.
const { test, expect } = require('@playwright/test')

const orderUrl = process.env.ORDER_URL
const merchantKey = process.env.SYNTHETIC_MERCHANT_KEY
const mode = process.env.PAYMENT_MODE
const testCard = { number: '4111 1111 1111 1111', expiry: '12/30', cvv: '123' } // the gateway's public test card

test('an order can be created, and on staging paid, with the webhook delivered', async ({ page, request }) => {
  const headers = { Authorization: `Bearer ${merchantKey}` }
  const created = await request.post(orderUrl, {
    headers,
    data: { amount: 100, currency: 'INR', receipt: `synthetic-${Date.now()}`, notes: { synthetic: 'checkly' } },
  })
  expect(created.status()).toBe(201)
  const order = await created.json()
  expect(order.status).toBe('created')
  expect(order.gateway_order_id).toMatch(/^order_/)
  if (mode !== 'test-end-to-end') return

  await page.goto(order.checkout_url)
  await page.getByTestId('pay-by-card').click()
  const gateway = page.frameLocator('iframe.razorpay-checkout-frame')
  await gateway.getByPlaceholder(/card number/i).fill(testCard.number)
  await gateway.getByPlaceholder(/MM ?\/ ?YY/i).fill(testCard.expiry)
  await gateway.getByPlaceholder(/CVV/i).fill(testCard.cvv)
  await gateway.getByRole('button', { name: /pay/i }).click()
  const bank = await page.waitForEvent('popup')
  await bank.getByRole('button', { name: /success/i }).click() // the test bank page: simulate success
  await expect(page.getByTestId('payment-success')).toBeVisible({ timeout: 60000 })

  await expect.poll(async () => {
    const current = await request.get(`${orderUrl}/${order.id}`, { headers })
    return (await current.json()).status
  }, { timeout: 120000, intervals: [2000, 5000] }).toBe('paid')
})
