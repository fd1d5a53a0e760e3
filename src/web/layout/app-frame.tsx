import { Anchor, AppShell, Burger, Button, Container, Group, NavLink, Text } from '@mantine/core';
import { useDisclosure, useWindowEvent } from '@mantine/hooks';
import { useEffect, type MouseEvent, type ReactNode } from 'react';
import { useLogout } from '../api/queries.js';
import type { SessionUser } from '../api/types.js';
import { AppLink, followInApp } from '../router/app-link.js';
import { useLocation } from '../router/router.js';
import { NAV_LINKS } from './nav-links.js';

/**
 * Below this Mantine breakpoint the links move from the header into a menu opened by a burger
 * button: four links, the brand and "Sign out" do not fit a phone's 60 px bar (they wrapped
 * out of it). `md` rather than `sm` so a long user name or a fifth link never squeezes a tablet.
 */
const BREAKPOINT = 'md';
const MENU_ID = 'main-menu';
/** Pages served outside the app (Swagger's API docs) have no way back into it: a new tab keeps the app open. */
const NEW_TAB = { target: '_blank', rel: 'noopener' } as const;
/** Burger's box is sized for its lines only; this widens it to the lines and the word "Menu". */
const MENU_BUTTON_STYLES = {
  root: { width: 'auto', display: 'inline-flex', alignItems: 'center', gap: 8, paddingInline: 8, borderRadius: 4 },
} as const;

function userName(user: SessionUser | string): string {
  if (typeof user === 'string') return user;
  const n = user.name ?? user.user ?? user.username;
  return typeof n === 'string' ? n : '';
}

export function AppFrame({ user, children }: { user: SessionUser | string; children: ReactNode }) {
  const logout = useLogout();
  const { pathname } = useLocation();
  const [menuOpen, menu] = useDisclosure(false);
  const name = userName(user);

  // Any navigation (a menu link, a link in the page, the back button) closes the menu.
  const closeMenu = menu.close; // stable across renders (useCallback), unlike `menu`
  useEffect(() => closeMenu(), [pathname, closeMenu]);
  useWindowEvent('keydown', (e) => {
    if (e.key === 'Escape') menu.close();
  });

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 260, breakpoint: BREAKPOINT, collapsed: { mobile: !menuOpen, desktop: true } }}
      padding="md"
    >
      <AppShell.Header>
        <Container size="xl" h="100%">
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Group gap="xl" wrap="nowrap">
              <Group gap="xs" wrap="nowrap">
                {/* The icon alone said nothing to a new user (the README calls it the "Menu"
                    button): the word sits beside the lines, inside the same button. */}
                <Burger
                  opened={menuOpen}
                  onClick={menu.toggle}
                  hiddenFrom={BREAKPOINT}
                  size="sm"
                  aria-label="Menu"
                  aria-expanded={menuOpen}
                  aria-controls={MENU_ID}
                  styles={MENU_BUTTON_STYLES}
                >
                  <Text span size="sm" fw={500}>
                    Menu
                  </Text>
                </Burger>
                <Text fw={700} size="lg" c="teal.9" style={{ whiteSpace: 'nowrap' }}>
                  EHR Bridge
                </Text>
              </Group>
              <Group component="nav" aria-label="Main" gap="md" wrap="nowrap" visibleFrom={BREAKPOINT}>
                {NAV_LINKS.map((l) =>
                  l.external ? (
                    <Anchor key={l.to} href={l.to} {...NEW_TAB} style={{ whiteSpace: 'nowrap' }}>
                      {l.label}
                    </Anchor>
                  ) : (
                    <AppLink
                      key={l.to}
                      to={l.to}
                      fw={l.active(pathname) ? 700 : 400}
                      aria-current={l.active(pathname) ? 'page' : undefined}
                      style={{ whiteSpace: 'nowrap' }}
                    >
                      {l.label}
                    </AppLink>
                  ),
                )}
              </Group>
            </Group>
            <Group gap="sm" wrap="nowrap">
              {name && (
                <Text size="sm" c="dimmed" visibleFrom="lg" truncate="end" maw={220}>
                  Signed in as {name}
                </Text>
              )}
              <Button variant="default" size="xs" onClick={() => logout.mutate()} loading={logout.isPending}>
                Sign out
              </Button>
            </Group>
          </Group>
        </Container>
      </AppShell.Header>
      {/* The phone menu; never shown on wide screens (links are inline there). Closed, it is
          only moved off screen by AppShell: `inert` and `visibility: hidden` keep its links out
          of the tab order and the accessibility tree (it slides in, and vanishes on close). */}
      <AppShell.Navbar
        id={MENU_ID}
        component="nav"
        aria-label="Main"
        p="sm"
        hiddenFrom={BREAKPOINT}
        inert={!menuOpen}
        style={{ visibility: menuOpen ? 'visible' : 'hidden' }}
      >
        {NAV_LINKS.map((l) => (
          <NavLink
            key={l.to}
            component="a"
            href={l.to}
            {...(l.external ? NEW_TAB : {})}
            label={l.label}
            active={l.active(pathname)}
            aria-current={l.active(pathname) ? 'page' : undefined}
            // Closed here too: a link to the page already shown changes no pathname.
            onClick={l.external ? undefined : (e: MouseEvent<HTMLAnchorElement>) => followInApp(e, l.to) && menu.close()}
            fw={l.active(pathname) ? 700 : 500}
          />
        ))}
        {name && (
          <Text size="sm" c="dimmed" mt="md" px="sm" truncate="end">
            Signed in as {name}
          </Text>
        )}
      </AppShell.Navbar>
      <AppShell.Main>
        <Container size="xl" py="md">
          {children}
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}
