// Loads a run's page in headless Chromium, draws images onto its "Try the
// net" canvas through the page's own entry point, and prints a line per
// image: the prediction the page's text shows, 1 when its preprocessing
// moved or scaled the drawing (else 0), and the number of bars. Then
// draws one stroke with the mouse ("stroke P", the prediction that
// follows) and says what failed to load or threw ("failed N").
// Usage: node check-canvas.mjs REPORT.html IMAGES.json
// (IMAGES.json: a list of 784-value lists, row by row, in [0, 1])
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [report, imagesFile] = process.argv.slice(2);
const images = JSON.parse(readFileSync(imagesFile, 'utf8'));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  const failed = [];
  page.on('requestfailed', (r) => failed.push(r.url().slice(0, 80)));
  page.on('pageerror', (e) => failed.push('error: ' + e.message));
  await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
  const results = [];
  for (const image of images) {
    const state = await page.evaluate((v) => window.nnlabTry.draw(v), image);
    const text = await page.evaluate(() => document.getElementById('nnlab-prediction').textContent);
    const bars = await page.evaluate(() => document.querySelectorAll('#nnlab-bars .bar').length);
    results.push({ text, bars, prediction: state.prediction, moved: state.moved, outputs: state.outputs });
  }
  // A stroke with the mouse: a vertical line, as a 1 is drawn.
  await page.evaluate(() => document.getElementById('nnlab-clear').click());
  const box = await page.locator('#nnlab-canvas').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.8, { steps: 12 });
  await page.mouse.up();
  const stroke = await page.evaluate(() => window.nnlabTry.state());
  for (const r of results) console.log(`${r.text.replace('The net says: ', '')} ${r.moved ? 1 : 0} ${r.bars}`);
  console.log(`stroke ${stroke.prediction}`);
  console.log(`failed ${failed.length}${failed.length ? ': ' + failed.join('; ') : ''}`);
} finally {
  await browser.close();
}
