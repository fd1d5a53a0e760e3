import { Stack, Text, Title } from '@mantine/core';
import { AppLink } from '../router/app-link.js';

export function NotFoundPage() {
  return (
    <Stack>
      <Title order={1}>Page not found</Title>
      <Text>
        This address does not match a page. Go to the <AppLink to="/imports">list of imports</AppLink>.
      </Text>
    </Stack>
  );
}
