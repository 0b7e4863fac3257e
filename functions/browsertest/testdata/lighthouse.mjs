// lighthouse.mjs runs Lighthouse on several pages, one after the other, in one
// Chromium, and prints one JSON line per page: its scores and the audits that
// cost points. TestLighthouse runs it with Node; see there.
//
// Usage: node lighthouse.mjs LIGHTHOUSE_DIR < pages.json
//   LIGHTHOUSE_DIR  the folder of the lighthouse package (scripts/lighthouse)
//   pages.json      [{"name": "...", "url": "...", "cookie": {"name": "...", "value": "..."}}, ...]
//
// A page's cookie (a session) goes into the browser's cookie jar, not into
// Lighthouse's extra headers: once the server sets any cookie (the portal
// sets a signed-in hint), Chromium sends its jar's Cookie header instead of
// the extra one (Lighthouse issue #6207), and the page is the login page.
// So Lighthouse's own storage reset, which would empty the jar, is off, and
// this script does the same reset itself before each page: cache, cookies
// and every kind of storage of the origin, then the page's cookie.
// Environment: CHROME_PATH, the Chromium to drive (never downloaded).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const dir = process.argv[2];
const lighthouse = (await import(pathToFileURL(dir + "/core/index.js"))).default;
const require = createRequire(dir + "/package.json");
const chromeLauncher = require("chrome-launcher");
const puppeteer = require("puppeteer-core");

const pages = JSON.parse(readFileSync(0, "utf8"));
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
});
const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
try {
  for (const p of pages) {
    const start = Date.now();
    const page = await browser.newPage();
    const cdp = await page.createCDPSession();
    const origin = new URL(p.url).origin;
    await cdp.send("Network.clearBrowserCache");
    await cdp.send("Network.clearBrowserCookies");
    await cdp.send("Storage.clearDataForOrigin", { origin, storageTypes: "all" });
    if (p.cookie) {
      await cdp.send("Network.setCookie", { name: p.cookie.name, value: p.cookie.value, url: origin + "/", httpOnly: true, sameSite: "Lax" });
    }
    await cdp.detach();
    const r = await lighthouse(p.url, {
      output: "json", logLevel: "error",
      // performance only when asked (make bench): it is a speed target.
      onlyCategories: (process.env.OKAERI_LH_CATEGORIES || "performance,accessibility,best-practices,seo").split(","),
      disableStorageReset: true, // done above, keeping the page's cookie
      disableFullPageScreenshot: true, // a picture for the report; no score needs it
    }, undefined, page);
    await page.close();
    const lhr = r.lhr;
    const scores = {};
    for (const [id, c] of Object.entries(lhr.categories)) scores[id] = c.score === null ? -1 : Math.round(c.score * 100);
    // The audits that cost points, per category, with what Lighthouse says of them.
    const failing = {};
    for (const [id, c] of Object.entries(lhr.categories)) {
      for (const ref of c.auditRefs) {
        const a = lhr.audits[ref.id];
        if (ref.weight > 0 && a.score !== null && a.score < 1) {
          const items = (a.details && a.details.items || []).slice(0, 3)
            .map((i) => [i.source, i.description, i.url, i.node && i.node.snippet].filter(Boolean).join(" "));
          (failing[id] ||= []).push(`${a.id} (${Math.round(a.score * 100)}${a.displayValue ? ", " + a.displayValue : ""}): ${a.title}` +
            items.map((i) => "\n\t\t\t" + i).join(""));
        }
      }
    }
    console.log(JSON.stringify({ name: p.name, url: p.url, final: lhr.finalDisplayedUrl, scores, failing,
      runtimeError: lhr.runtimeError ? lhr.runtimeError.message : "", ms: Date.now() - start }));
  }
} finally {
  await browser.disconnect();
  await chrome.kill();
}
