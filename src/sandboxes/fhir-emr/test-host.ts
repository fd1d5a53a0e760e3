import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { fhirEmrSandbox, type FhirEmrSandboxOptions } from './plugin.js';

export interface TestHost {
  app: FastifyInstance;
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  /** FHIR base URL (origin + prefix). */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Test helper: the sandbox inside a host shaped like the engine's app (zod compilers, a
 * root form parser, another route), on a real socket on port 0. `setup` runs before the
 * sandbox is registered, e.g. to add a fault-injecting hook.
 */
export async function startTestHost(
  opts: FhirEmrSandboxOptions & { prefix?: string; setup?: (app: FastifyInstance) => void | Promise<void> } = {},
): Promise<TestHost> {
  const { prefix = '/sandbox/fhir-emr', setup, ...sandboxOpts } = opts;
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifyFormbody);
  app.get('/host-route', async () => ({ host: true }));
  await setup?.(app);
  await app.register(fhirEmrSandbox, { ...sandboxOpts, prefix });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, origin, baseUrl: `${origin}${prefix}`, close: () => app.close() };
}
