// The site flow (Checkly browser check; docs/observability.md): the home page loads over HTTPS within the
// page-load budget, with no console error, and leads to checkout. Runs on a schedule, on every release, and
// before promotion against the deployment itself (ENVIRONMENT_URL, the `e2e` deployment check).
const { test, expect } = require('@playwright/test')

const siteUrl = process.env.ENVIRONMENT_URL || process.env.SITE_URL
const budgetMs = Number(process.env.PAGE_LOAD_BUDGET_MS)
const bypass = process.env.VERCEL_AUTOMATION_BYPASS_SECRET // only set for a protected deployment URL

test('the site loads within its budget, without console errors', async ({ page }) => {
  if (bypass) await page.setExtraHTTPHeaders({ 'x-vercel-protection-bypass': bypass })
  const errors = []
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()) })
  page.on('pageerror', (error) => errors.push(error.message))

  const response = await page.goto(siteUrl, { waitUntil: 'load' })
  expect(response.status()).toBe(200)
  const loadMs = await page.evaluate(() => {
    const [navigation] = performance.getEntriesByType('navigation')
    return navigation.loadEventEnd - navigation.startTime
  })
  expect(loadMs).toBeLessThan(budgetMs)
  await expect(page).toHaveTitle(/LightSpeedPay/i)
  await expect(page.locator('a[href*="checkout"]').first()).toBeVisible()
  expect(errors).toEqual([])
})
