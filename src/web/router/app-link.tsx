import { Anchor, type AnchorProps } from '@mantine/core';
import type { MouseEvent, ReactNode } from 'react';
import { navigate } from './router.js';

/**
 * The click handler of an in-app <a href>: a plain click navigates in the app (and says so); a
 * modified one (new tab, new window) is left to the browser.
 */
export function followInApp(e: MouseEvent<HTMLAnchorElement>, to: string): boolean {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return false;
  e.preventDefault();
  navigate(to);
  return true;
}

/** A real <a href> (open in new tab works) that navigates in-app on a plain click. */
export function AppLink(props: AnchorProps & { to: string; children: ReactNode }) {
  const { to, children, ...rest } = props;
  return (
    <Anchor href={to} onClick={(e: MouseEvent<HTMLAnchorElement>) => followInApp(e, to)} {...rest}>
      {children}
    </Anchor>
  );
}
