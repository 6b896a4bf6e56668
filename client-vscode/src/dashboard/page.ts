// The dashboard page as the webview shows it: the server's report HTML with a strict
// Content-Security-Policy put first in its <head>. Pure: no `vscode` import, so tests
// can use it.

/** Inline styles only: no scripts, no frames, no fonts, images or requests from anywhere. */
export const DASHBOARD_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const CSP_META = `<meta http-equiv="Content-Security-Policy" content="${DASHBOARD_CSP}">`;

/**
 * `html` with the CSP meta as the first element of its <head> (before anything the
 * policy must govern), adding a <head> when the page has none. Any CSP meta the page
 * brought is removed: ours is the one that applies.
 */
export function withCsp(html: string): string {
  const page = html.replace(/<meta\s+http-equiv\s*=\s*["']?content-security-policy["']?[^>]*>/gi, "");
  const head = /<head(\s[^>]*)?>/i.exec(page);
  if (head !== null) {
    const at = head.index + head[0].length;
    return page.slice(0, at) + CSP_META + page.slice(at);
  }
  const root = /<html(\s[^>]*)?>/i.exec(page);
  if (root !== null) {
    const at = root.index + root[0].length;
    return `${page.slice(0, at)}<head>${CSP_META}</head>${page.slice(at)}`;
  }
  return `<!doctype html><html><head>${CSP_META}</head><body>${page}</body></html>`;
}

/** What the panel shows when it cannot get the page: the reason, escaped. */
export function errorPage(why: string): string {
  return withCsp(
    "<!doctype html><html><head><meta charset=\"utf-8\"></head>" +
      "<body style=\"font-family:system-ui,sans-serif;margin:24px\">" +
      `<h1 style="font-size:18px">Loopwright dashboard</h1><p>The dashboard could not be loaded: ${escapeHtml(why)}</p>` +
      "<p>It is tried again when anything changes; <b>Loopwright: Show Log</b> says more.</p></body></html>",
  );
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Calls `run` at most once per `intervalMs`: the first call after a quiet spell runs at
 * once, calls within the interval are folded into one run at its end. `now` is
 * injectable for tests.
 */
export class Debouncer {
  private last = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly run: () => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get pending(): boolean {
    return this.timer !== undefined;
  }

  poke(): void {
    if (this.timer !== undefined) {
      return;
    }
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0) {
      this.fire();
    } else {
      this.timer = setTimeout(() => this.fire(), wait);
    }
  }

  private fire(): void {
    this.timer = undefined;
    this.last = this.now();
    this.run();
  }

  dispose(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
