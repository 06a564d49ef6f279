// Admin reachable only from the allowlist (Checkly browser check; docs/observability.md): Checkly's locations are
// not on the office/VPN allowlist, so every admin path of the site and of the API must be refused from here by
// the Vercel firewall (403), never served, never redirected to a login page.
const { test, expect } = require('@playwright/test')

const adminUrls = (process.env.ADMIN_URLS || '').split(',').filter(Boolean)

test('admin paths are refused outside the allowlist', async ({ request }) => {
  expect(adminUrls.length).toBeGreaterThan(0)
  for (const url of adminUrls) {
    const response = await request.get(url, { maxRedirects: 0, failOnStatusCode: false })
    expect(response.status(), url).toBe(403)
  }
})
