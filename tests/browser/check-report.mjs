// Loads an nnlab HTML report from disk in headless Chromium and prints, as
// JSON, what the test suite asserts: whether every image loaded, and the
// number of rows of each table. Keeps a screenshot beside the report.
// With SORT (TABLE_ID:HEADER), it also clicks that column's header twice
// and prints the first column of the table before and after each click.
// Usage: node check-report.mjs REPORT.html SCREENSHOT.png [SORT]
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';

const [report, screenshot, sort] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  const failed = [];
  page.on('requestfailed', (r) => failed.push(r.url().slice(0, 80)));
  await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
  const result = await page.evaluate(() => ({
    images: Array.from(document.images).map((i) => ({
      alt: i.alt, complete: i.complete, naturalWidth: i.naturalWidth })),
    tables: Object.fromEntries(Array.from(document.querySelectorAll('table'))
      .map((t) => [t.id, t.rows.length])),
    title: document.title,
  }));
  result.failedRequests = failed;
  if (sort) {
    const [id, header] = sort.split(':');
    const firstColumn = () => page.evaluate((tid) => Array.from(
      document.getElementById(tid).tBodies[0].rows).map((r) => r.cells[0].textContent), id);
    const click = () => page.evaluate(([tid, h]) => {
      const th = Array.from(document.querySelectorAll('#' + tid + ' thead th'))
        .find((t) => t.textContent.startsWith(h));
      th.click();
    }, [id, header]);
    result.sorted = [await firstColumn()];
    await click();
    result.sorted.push(await firstColumn());
    await click();
    result.sorted.push(await firstColumn());
  }
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
