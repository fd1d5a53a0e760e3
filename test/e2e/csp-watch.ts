import type { BrowserContext, Page } from 'playwright-core';

/**
 * Collects the Content-Security-Policy violations chromium reports while a test drives the UI
 * (issue 6, item 6): the engine's policy must let the built UI run as it is, so a browser test
 * ends by asserting the list is empty. Chromium reports each blocked script, style, image,
 * worker or connection as a console error naming the "Content Security Policy".
 */
export interface CspWatch {
  readonly violations: string[];
}

export function watchCsp(target: BrowserContext | Page): CspWatch {
  const violations: string[] = [];
  target.on('console', (msg) => {
    if (/Content[ -]Security[ -]Policy/i.test(msg.text())) violations.push(msg.text());
  });
  return { violations };
}
