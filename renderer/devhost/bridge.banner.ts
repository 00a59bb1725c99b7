/** The dev host bridge's "reconnecting" notice (dev host only; follows the page's language). */
const TEXT: Record<string, string> = {
  en: 'Connection to the dev host lost. Reconnecting…',
  'zh-CN': '与开发主机的连接已断开，正在重新连接…',
};

let banner: HTMLElement | null = null;

/** Shows or hides the notice; it is a polite live region, so screen readers announce it. */
export function showConnectionBanner(visible: boolean): void {
  if (!visible) {
    banner?.remove();
    banner = null;
    return;
  }
  if (banner || !document.body) return;
  const el = document.createElement('div');
  el.setAttribute('role', 'status');
  el.dataset.testid = 'devhost-reconnecting';
  el.textContent = TEXT[document.documentElement.lang] ?? TEXT.en ?? '';
  // CSSOM properties, not a style attribute: the page's CSP allows these.
  Object.assign(el.style, {
    position: 'fixed',
    insetInline: '0',
    top: '0',
    zIndex: '2147483647',
    padding: '6px 12px',
    background: '#8a5a00',
    color: '#fff',
    font: '14px system-ui, sans-serif',
    textAlign: 'center',
  });
  document.body.append(el);
  banner = el;
}
