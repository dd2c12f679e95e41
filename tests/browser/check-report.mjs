// Loads an nnlab HTML report from disk in headless Chromium and prints, as
// JSON, what the test suite asserts: whether every image loaded, and the
// number of rows of each table. Keeps a screenshot beside the report.
// With SORT (TABLE_ID:HEADER), it also clicks that column's header twice
// and prints the first column of the table before and after each click.
// With RELOAD_WAIT=SECONDS in the environment, it lets the page reload
// itself until its counts line (a sweep's) changes, up to that long, and
// prints the line before and after and how many times it reloaded.
// With FILTER=TEXT, it types TEXT into the trials' filter and prints the
// rows left visible, the texts of the inline chart (its legend among
// them) and the coordinates it shows under the pointer.
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
  if (process.env.RELOAD_WAIT) {
    const counts = () => page.evaluate(() => {
      const p = document.querySelector('p.counts');
      return p ? p.textContent : '';
    });
    // Reloads until the counts change or the time is up.
    const end = Date.now() + 1000 * Number(process.env.RELOAD_WAIT);
    result.countsBefore = await counts();
    result.countsAfter = result.countsBefore;
    result.reloads = 0;
    while (result.countsAfter === result.countsBefore && Date.now() < end) {
      try {
        await page.waitForEvent('load', { timeout: Math.max(1, end - Date.now()) });
        result.reloads++;
        result.countsAfter = await counts();
      } catch (e) {
        break;
      }
    }
    result.reloaded = result.reloads > 0;
  }
  // With FILTER=TEXT: the rows of the trials' table left visible after
  // typing TEXT into its filter; and the coordinates an inline chart
  // shows with the pointer over its middle.
  if (process.env.FILTER !== undefined) {
    await page.fill('#filter', process.env.FILTER);
    result.visibleRows = await page.evaluate(() => Array.from(
      document.getElementById('trials').tBodies[0].rows).filter((r) => r.style.display !== 'none').length);
    const svg = page.locator('figure.svg svg').first();
    result.chartText = await page.evaluate(() => Array.from(
      document.querySelectorAll('figure.svg svg text')).map((t) => t.textContent));
    if (await svg.count()) {
      await svg.scrollIntoViewIfNeeded();
      const b = await svg.boundingBox();
      await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
      result.coordinates = await page.evaluate(() => {
        const e = document.getElementById('coord_text');
        return e ? e.textContent : null;
      });
    }
  }
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
