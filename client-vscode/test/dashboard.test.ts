import { test } from "node:test";
import assert from "node:assert/strict";
import { DASHBOARD_CSP, Debouncer, errorPage, escapeHtml, withCsp } from "../src/dashboard/page";

const META = `<meta http-equiv="Content-Security-Policy" content="${DASHBOARD_CSP}">`;

test("the policy allows inline styles and nothing else that loads or runs", () => {
  const directives = DASHBOARD_CSP.split(";").map((d) => d.trim());
  assert.ok(directives.includes("default-src 'none'"));
  assert.ok(directives.includes("style-src 'unsafe-inline'"));
  assert.ok(!DASHBOARD_CSP.includes("script-src"));
  assert.ok(!/https?:|\*/.test(DASHBOARD_CSP));
});

test("the CSP goes first in the report's head, before its styles", () => {
  const report = '<!doctype html><html lang="en"><head><meta charset="utf-8">\n<title>T</title><style>b{}</style></head><body>x</body></html>';
  const page = withCsp(report);
  assert.equal(page, report.replace("<head>", `<head>${META}`));
  assert.ok(page.indexOf(META) < page.indexOf("<style>"));
});

test("a page without a head gets one, and a fragment gets a whole page", () => {
  assert.equal(withCsp('<html lang="en"><body>x</body></html>'), `<html lang="en"><head>${META}</head><body>x</body></html>`);
  assert.equal(withCsp("<p>x</p>"), `<!doctype html><html><head>${META}</head><body><p>x</p></body></html>`);
});

test("a CSP the page brought is replaced by ours, not added to", () => {
  const page = withCsp(
    `<html><HEAD><meta http-equiv='content-security-policy' content="script-src *"></HEAD></html>`,
  );
  assert.equal(page, `<html><HEAD>${META}</HEAD></html>`);
  assert.equal(page.split("Content-Security-Policy").length - 1, 1);
});

test("the error page escapes the reason and carries the CSP", () => {
  const page = errorPage('<img src=x onerror="boom">');
  assert.ok(page.includes(META));
  assert.ok(!page.includes("<img"));
  assert.ok(page.includes(escapeHtml('<img src=x onerror="boom">')));
});

test("the debouncer runs at once, then at most once per interval", async () => {
  let now = 0;
  let runs = 0;
  const d = new Debouncer(() => runs++, 40, () => now);
  d.poke();
  assert.equal(runs, 1);
  now = 10;
  d.poke();
  d.poke();
  d.poke();
  assert.equal(runs, 1);
  assert.ok(d.pending);
  now = 40;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(runs, 2, "the calls within the interval were folded into one");
  assert.ok(!d.pending);
  now = 200;
  d.poke();
  assert.equal(runs, 3, "after a quiet spell it runs at once");
  d.poke();
  d.dispose();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(runs, 3, "a disposed debouncer runs nothing more");
});
