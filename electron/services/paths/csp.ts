/**
 * The renderer's Content-Security-Policy. The `app://` protocol and the dev host both send it as a
 * header, and index.html repeats it in a meta tag. No inline script, no eval, no remote origin.
 */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
