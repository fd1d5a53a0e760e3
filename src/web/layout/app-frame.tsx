import { AppShell, Button, Container, Group, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useLogout } from '../api/queries.js';
import type { SessionUser } from '../api/types.js';
import { SEND_TO_EHR_NAV_LINKS } from '../documents/send-to-ehr-pages.js';
import { AppLink } from '../router/app-link.js';
import { useLocation } from '../router/router.js';

function userName(user: SessionUser | string): string {
  if (typeof user === 'string') return user;
  const n = user.name ?? user.user ?? user.username;
  return typeof n === 'string' ? n : '';
}

export function AppFrame({ user, children }: { user: SessionUser | string; children: ReactNode }) {
  const logout = useLogout();
  const { pathname } = useLocation();
  const name = userName(user);
  return (
    <AppShell header={{ height: 60 }} padding="md">
      <AppShell.Header>
        <Container size="xl" h="100%">
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Group gap="xl" wrap="nowrap">
              <Text fw={700} size="lg" c="teal.8">
                EHR Bridge
              </Text>
              <Group component="nav" aria-label="Main" gap="md">
                <AppLink to="/imports" fw={pathname === '/imports' || pathname === '/' ? 700 : 400}>
                  Imports
                </AppLink>
                <AppLink to="/imports/new" fw={pathname === '/imports/new' ? 700 : 400}>
                  New import
                </AppLink>
                {SEND_TO_EHR_NAV_LINKS.map((l) => (
                  <AppLink key={l.to} to={l.to} fw={pathname === l.to || pathname.startsWith(`${l.to}/`) ? 700 : 400}>
                    {l.label}
                  </AppLink>
                ))}
              </Group>
            </Group>
            <Group gap="sm" wrap="nowrap">
              {name && (
                <Text size="sm" c="dimmed" visibleFrom="sm">
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
      <AppShell.Main>
        <Container size="xl" py="md">
          {children}
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}
