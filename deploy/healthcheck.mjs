// @ts-check
/**
 * The container's health probe: exits 0 when `GET /health` answers 200 within 4 s, else 1.
 * FV_HEALTH_URL overrides the default (TLS on 8443, as the image's default command serves).
 * A probe of this container's own loopback address does not verify the certificate: it is issued
 * for the public name, not 127.0.0.1, and nothing secret is sent. Any other address is verified.
 */
import http from 'node:http';
import https from 'node:https';

const url = new URL(process.env.FV_HEALTH_URL || 'https://127.0.0.1:8443/health');
const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
const get = url.protocol === 'https:' ? https.get : http.get;
const request = get(url, { timeout: 4000, rejectUnauthorized: !loopback }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', () => process.exit(1));
