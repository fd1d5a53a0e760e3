import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkAdminPassword } from '../auth/admin-account.js';
import { clearLoginFailures, lockedUntil, recordLoginFailure } from '../auth/login-lockout.js';
import { accountKey, loginThrottle } from '../auth/login-throttle.js';
import { sessionCookieOptions } from '../auth/session-cookie.js';
import { SESSION_COOKIE, createSession, deleteSession, purgeDeadSessions } from '../auth/sessions.js';
import { HttpError } from '../errors.js';
import type { AppContext } from '../../server/context.js';

const HOUR_MS = 60 * 60 * 1000;

export const authRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const db = ctx.store.db;
  const throttle = await loginThrottle(app);

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public' },
      onRequest: throttle.perAddress,
      preHandler: throttle.perAccount,
      schema: {
        tags: ['auth'],
        body: z.object({ user: z.string().min(1).max(200), password: z.string().min(1).max(500) }),
        response: { 200: z.object({ user: z.string() }) },
      },
    },
    async (req, reply) => {
      const { user, password } = req.body;
      // Only the real account is tracked, so unknown names cannot fill the table.
      const tracked = accountKey(user) === accountKey(ctx.config.admin.user);
      const locked = tracked ? await lockedUntil(db, accountKey(user)) : null;
      if (locked) {
        reply.header('retry-after', String(Math.max(1, Math.ceil((locked.getTime() - Date.now()) / 1000))));
        throw new HttpError(429, 'this account is locked after too many failed sign-ins: try again later');
      }
      if (!(await checkAdminPassword(db, ctx.config, user, password))) {
        if (tracked) await recordLoginFailure(db, accountKey(user));
        throw new HttpError(401, 'wrong user name or password');
      }
      await clearLoginFailures(db, accountKey(user));
      await purgeDeadSessions(db);
      const { token } = await createSession(db, user);
      reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(req, ctx.config));
      return { user };
    },
  );

  app.post('/api/auth/logout', { config: { access: 'public' }, schema: { tags: ['auth'] } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await deleteSession(db, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/auth/me', { schema: { tags: ['auth'], response: { 200: z.object({ user: z.string(), kind: z.string() }) } } }, async (req) => ({
    user: req.principal!.name,
    kind: req.principal!.kind,
  }));

  // Expired sessions and those of an older password are deleted at start and hourly.
  let timer: NodeJS.Timeout | undefined;
  const purge = () =>
    purgeDeadSessions(db).catch((err: Error) => ctx.logger.warn({ err: { name: err.name, message: err.message } }, 'session purge failed'));
  app.addHook('onReady', async () => {
    await purge();
    timer = setInterval(() => void purge(), HOUR_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
};
