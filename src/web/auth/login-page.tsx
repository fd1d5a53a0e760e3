import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/http.js';
import { useLogin } from '../api/queries.js';

export function LoginPage() {
  const login = useLogin();
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (user.trim() === '' || password === '') return;
    login.mutate({ user: user.trim(), password });
  };

  const error = login.error
    ? login.error instanceof ApiError && login.error.status === 401
      ? 'That user name and password do not match. Check them and try again.'
      : login.error.message
    : null;

  return (
    <Center mih="100vh" bg="gray.0" p="md">
      <Paper component="main" withBorder shadow="sm" p="xl" w={400} maw="100%">
        <form onSubmit={submit} aria-labelledby="login-title">
          <Stack>
            <div>
              <Title order={1} size="h2" id="login-title">
                Sign in
              </Title>
              <Text c="dimmed" size="sm">
                EHR Bridge: bring patients and appointments into OnCall Health.
              </Text>
            </div>
            {error && (
              <Alert color="red" role="alert" title="Could not sign in">
                {error}
              </Alert>
            )}
            <TextInput
              label="User name"
              autoComplete="username"
              required
              autoFocus
              value={user}
              onChange={(e) => setUser(e.currentTarget.value)}
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Button type="submit" loading={login.isPending} fullWidth>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
