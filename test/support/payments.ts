import { expect } from 'vitest';
import type { App } from '../../src/platform/http/server.ts';

export interface HttpAnswer {
  status: number;
  location: string | undefined;
  text: string;
}

/** One HTTP request: through `app.inject` or across the network; redirects are never followed. */
export type Http = (
  method: string,
  url: string,
  options?: { headers?: Record<string, string>; body?: string },
) => Promise<HttpAnswer>;

export function injectHttp(app: App): Http {
  return async (method, url, options = {}) => {
    const target = new URL(url, 'http://localhost');
    const response = await app.inject({
      method: method as 'GET',
      url: target.pathname + target.search,
      headers: options.headers ?? {},
      ...(options.body !== undefined ? { payload: options.body } : {}),
    });
    const location = response.headers.location;
    return { status: response.statusCode, location: typeof location === 'string' ? location : undefined, text: response.body };
  };
}

export const networkHttp: Http = async (method, url, options = {}) => {
  const response = await fetch(url, {
    method,
    headers: options.headers ?? {},
    ...(options.body !== undefined ? { body: options.body } : {}),
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location') ?? undefined, text: await response.text() };
};

/**
 * What a person does on the gateway's page: opens it, reads the form (no JavaScript), types the
 * card and submits. Returns the gateway's answer (a 303 to the shop's success or fail URL).
 */
export async function payWithCard(http: Http, paymentUrl: string, card: string): Promise<HttpAnswer> {
  const page = await http('GET', paymentUrl, { headers: { accept: 'text/html' } });
  expect(page.status, page.text).toBe(200);
  expect(page.text).toContain('<form method="post"');
  const action = /<form method="post" action="([^"]+)"/.exec(page.text)?.[1];
  const paymentId = /name="paymentId" value="([^"]+)"/.exec(page.text)?.[1];
  expect(action).toBeDefined();
  expect(paymentId).toBeDefined();
  const form = new URLSearchParams({
    paymentId: paymentId ?? '',
    cardNumber: card,
    cardExpiry: '12/30',
    cvv: '123',
    cardholderName: 'ALIYA TESTOVA',
  });
  return http('POST', new URL(action ?? '', paymentUrl).toString(), {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
}
