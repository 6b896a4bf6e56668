// "Loopwright: Show Phone Link": the web page's link and its QR code (`loopwright/webLink`,
// iface/web.md) as a page for a webview. Pure. The QR code is shown as an <img> of a
// data: URI, so nothing in the SVG can run; the page has no script at all.

import { escapeHtml } from "../dashboard/page";

export const PHONE_LINK_METHOD = "loopwright/webLink";

/** What the server answers (`WebLinkResult`), read leniently: an older server lacks it. */
export interface PhoneLink {
  readonly url: string;
  readonly svg: string;
  /** A page is served now; false: this is where `[web]` would serve it. */
  readonly served: boolean;
  /** Why there is no link (no page served), when there is none. */
  readonly problem: string;
}

export function readPhoneLink(result: unknown): PhoneLink {
  const o = (typeof result === "object" && result !== null ? result : {}) as Record<string, unknown>;
  const str = (...keys: string[]): string => {
    for (const k of keys) {
      if (typeof o[k] === "string" && o[k] !== "") {
        return o[k] as string;
      }
    }
    return "";
  };
  const url = str("url", "link", "pageUrl");
  const svg = str("svg", "qrSvg", "qr");
  const problem = str("problem", "error", "why") || (url === "" ? "the server did not say where the page is" : "");
  return { url, svg, problem, served: o.served !== false };
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export function phoneLinkPage(link: PhoneLink): string {
  const body = link.url === ""
    ? `<p>No phone page to show: ${escapeHtml(link.problem)}.</p>
<p>Start it with <code>loopwright run --web</code> (or <code>[web]</code> in .loopwright/config.toml), then run this command again.</p>`
    : `${link.served ? "" : `<p class="warn">No page is served right now: this is where <code>[web]</code> would serve it. Start it with <code>loopwright run --web</code> (or <code>serve --web</code>).</p>`}
<p>Scan it with your phone's camera to answer from anywhere. The link carries your access token: share it with no one.</p>
${link.svg === "" ? "" : `<img alt="QR code of the page's link" width="264" height="264" src="data:image/svg+xml;base64,${Buffer.from(link.svg, "utf8").toString("base64")}">`}
<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.url)}</a></p>
<p class="hint"><code>loopwright web revoke</code> makes this link stop working.</p>`;
  return `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); margin: 24px; }
img { background: #fff; padding: 8px; border-radius: 4px; image-rendering: pixelated; }
a { word-break: break-all; color: var(--vscode-textLink-foreground); }
.hint { color: var(--vscode-descriptionForeground); }
.warn { color: var(--vscode-editorWarning-foreground); }
</style></head><body><h1 style="font-size:18px">Loopwright on your phone</h1>
${body}
</body></html>`;
}
