// The checkout flow (Checkly browser check; docs/observability.md): the hosted checkout page loads within the
// page-load budget with its payment form and methods, and no console error. Nothing is submitted here: paying
// is the payment-path check's, where the stack allows it.
const { test, expect } = require('@playwright/test')

const checkoutUrl = process.env.ENVIRONMENT_URL || process.env.CHECKOUT_URL
const budgetMs = Number(process.env.PAGE_LOAD_BUDGET_MS)
const bypass = process.env.VERCEL_AUTOMATION_BYPASS_SECRET

test('the checkout page loads with its payment form, without console errors', async ({ page }) => {
  if (bypass) await page.setExtraHTTPHeaders({ 'x-vercel-protection-bypass': bypass })
  const errors = []
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()) })
  page.on('pageerror', (error) => errors.push(error.message))

  const response = await page.goto(checkoutUrl, { waitUntil: 'load' })
  expect(response.status()).toBe(200)
  const loadMs = await page.evaluate(() => {
    const [navigation] = performance.getEntriesByType('navigation')
    return navigation.loadEventEnd - navigation.startTime
  })
  expect(loadMs).toBeLessThan(budgetMs)
  await expect(page.getByTestId('checkout-form')).toBeVisible()
  await expect(page.getByTestId('payment-methods')).toContainText(/UPI/i)
  expect(errors).toEqual([])
})
