import { test } from "node:test";
import assert from "node:assert/strict";
import { PresenceThrottle } from "../src/model/presence";
import { phoneLinkPage, readPhoneLink } from "../src/model/phoneLink";

test("activity is told at most once per 15 s; a change of focus at once", () => {
  const p = new PresenceThrottle();
  assert.equal(p.shouldSend(true, 0), true);
  assert.equal(p.shouldSend(true, 5_000), false);
  assert.equal(p.shouldSend(true, 14_999), false);
  assert.equal(p.shouldSend(true, 15_000), true);
  assert.equal(p.shouldSend(false, 15_100), true, "losing focus is news");
  assert.equal(p.shouldSend(true, 15_200), true, "and so is coming back");
  p.reset();
  assert.equal(p.shouldSend(true, 15_300), true, "a restarted server is told again");
});

test("the phone link page shows the QR as an image that cannot run anything, and the link", () => {
  const link = readPhoneLink({ url: "http://127.0.0.1:8765/#t=abc", svg: "<svg onload=\"x()\"></svg>" });
  const page = phoneLinkPage(link);
  assert.match(page, /<img alt="QR code of the page's link"[^>]*src="data:image\/svg\+xml;base64,/);
  assert.doesNotMatch(page, /onload/);
  assert.doesNotMatch(page, /<script/);
  assert.match(page, /<a href="http:\/\/127.0.0.1:8765\/#t=abc">/);
});

test("a link where the page would be served says it is not served yet", () => {
  const page = phoneLinkPage(readPhoneLink({ url: "http://127.0.0.1:8765/#t=x", baseUrl: "http://127.0.0.1:8765", served: false, svg: "<svg/>" }));
  assert.match(page, /No page is served right now/);
  assert.doesNotMatch(phoneLinkPage(readPhoneLink({ url: "http://x/#t", served: true, svg: "" })), /No page is served/);
});

test("without a served page the view says how to start one", () => {
  const page = phoneLinkPage(readPhoneLink({ url: "", problem: "no page is served" }));
  assert.match(page, /No phone page to show: no page is served/);
  assert.match(page, /loopwright run --web/);
  assert.equal(readPhoneLink(null).problem, "the server did not say where the page is");
});
