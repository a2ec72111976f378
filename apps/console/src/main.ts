import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { ConfigurationError, loadInfraEnv } from '@app/consistency';
import { loadConsoleConfig } from './console.config';
import { ConsoleModule } from './console.module';
import { ConsoleDatabases } from './databases/console-databases';
import { ensureConsoleSchema } from './databases/console-schema';

/** Pages load only this server's scripts and styles, and no other site may frame them. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

async function bootstrap(): Promise<void> {
  loadInfraEnv();
  const config = loadConsoleConfig();
  const app = await NestFactory.create<NestExpressApplication>(ConsoleModule.forRoot(config));
  app.disable('x-powered-by');
  app.use((_request: Request, response: Response, next: NextFunction) => {
    response.set(SECURITY_HEADERS);
    next();
  });
  await ensureConsoleSchema(app.get(ConsoleDatabases).own);
  await app.listen(config.port, config.host);
  process.stdout.write(`console listening on http://${config.host}:${config.port}\n`);
  // Closed here rather than by Nest's signal hooks, which re-raise the signal: exit 0 is a clean stop.
  const stop = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigurationError ? error.message : `Failed to start the console: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`}\n`,
  );
  process.exit(1);
});
