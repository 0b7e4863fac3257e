// phrases.mjs: Japanese headings break between phrases (文節), not inside
// words, the same way in every browser: this marks the phrase boundaries
// that BudouX (npm budoux, pinned in scripts/phrases/run) finds with <wbr>
// in the built site's Japanese headings and card titles, and the
// stylesheet keeps their words whole (word-break: keep-all,
// site/assets/css/main.css). Chromium's own word-break: auto-phrase is not
// used: its segmenter split words BudouX keeps (年末のふりか / えり).
//
// Usage: node phrases.mjs <budoux package dir> <built site dir>
// Rewrites the .html files in place; prints how many headings it marked.
import { readFileSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const [budouxDir, site] = process.argv.slice(2);
if (!budouxDir || !site) {
  console.error("usage: node phrases.mjs <budoux package dir> <site dir>");
  process.exit(2);
}
const require = createRequire(import.meta.url);
// The parser and the Japanese model only: the package's HTML helpers need a
// DOM library the site does not.
const { Parser } = require(join(budouxDir, "dist", "parser.js"));
const { model } = require(join(budouxDir, "dist", "data", "models", "ja.js"));
const parser = new Parser(model);

const japanese = /[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]/;
// No line may end on an opening bracket or start with a closing one or a
// mark of punctuation (禁則): BudouX puts a boundary after 「（」 in
// 説明会（お昼休み開催）, which left 「説明会（」 alone on a line.
const opens = /[「『（【〔［｛〈《"'(\[]$/;
const closes = /^[」』）】〕］｝〉》、。，．・：；！？ー)\]]/;
function joinPhrases(phrases) {
  let out = "";
  phrases.forEach((p, i) => {
    out += i > 0 && !opens.test(phrases[i - 1]) && !closes.test(p) ? "<wbr>" + p : p;
  });
  return out;
}
// One text run: phrases joined by <wbr>, entities (&amp;) kept whole.
function markText(text) {
  if (!japanese.test(text)) return text;
  return text
    .split(/(&#?[a-zA-Z0-9]+;)/)
    .map((part, i) => (i % 2 === 1 ? part : joinPhrases(parser.parse(part))))
    .join("");
}
// An element's inner HTML: only text between tags changes.
function markInner(html) {
  if (html.includes("<wbr>")) return html; // marked already (a rebuild)
  return html
    .split(/(<[^>]+>)/)
    .map((part, i) => (i % 2 === 1 ? part : markText(part)))
    .join("");
}
const heading = /<(h[1-3])(\s[^>]*)?>([\s\S]*?)<\/\1>/g;
const cardTitle = /(<(\w+)\s[^>]*class="?[^">]*\bcard-title\b[^>]*>)([\s\S]*?)(<\/\2>)/g;

let files = 0;
let marked = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (name !== "cms") walk(p); // the CMS's own files
      continue;
    }
    if (!name.endsWith(".html")) continue;
    const src = readFileSync(p, "utf8");
    if (!/<html[^>]*\slang="?ja\b/.test(src)) continue;
    let n = 0;
    const out = src
      .replace(heading, (m, tag, attrs, inner) => {
        const next = markInner(inner);
        if (next !== inner) n++;
        return `<${tag}${attrs || ""}>${next}</${tag}>`;
      })
      .replace(cardTitle, (m, open, tag, inner, close) => {
        const next = markInner(inner);
        if (next !== inner) n++;
        return open + next + close;
      });
    if (out !== src) {
      writeFileSync(p, out);
      files++;
      marked += n;
    }
  }
}
walk(site);
console.log(`phrases: ${marked} Japanese headings in ${files} pages marked at phrase boundaries`);
