import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkAdminPassword } from '../auth/admin-account.js';
import { SESSION_COOKIE, SESSION_TTL_MS, createSession, deleteSession } from '../auth/sessions.js';
import { HttpError } from '../errors.js';
import type { AppContext } from '../../server/context.js';

export const authRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post(
    '/api/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        body: z.object({ user: z.string().min(1).max(200), password: z.string().min(1).max(500) }),
        response: { 200: z.object({ user: z.string() }) },
      },
    },
    async (req, reply) => {
      const ok = await checkAdminPassword(ctx.store.db, ctx.config, req.body.user, req.body.password);
      if (!ok) throw new HttpError(401, 'wrong user name or password');
      const { token } = await createSession(ctx.store.db, req.body.user);
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        maxAge: SESSION_TTL_MS / 1000,
        secure: req.protocol === 'https',
      });
      return { user: req.body.user };
    },
  );

  app.post('/api/auth/logout', { config: { public: true }, schema: { tags: ['auth'] } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await deleteSession(ctx.store.db, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/auth/me', { schema: { tags: ['auth'], response: { 200: z.object({ user: z.string(), kind: z.string() }) } } }, async (req) => ({
    user: req.principal!.name,
    kind: req.principal!.kind,
  }));
};
