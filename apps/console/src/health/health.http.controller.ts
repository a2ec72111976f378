import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/access.decorators';
import { SAGA_SERVICES } from '../console.config';
import { ConsoleDatabases } from '../databases/console-databases';

/** 200 when the console's own database and every service database answer; the body names what does not. */
@Public()
@Controller('health')
export class HealthHttpController {
  constructor(private readonly databases: ConsoleDatabases) {}

  @Get()
  async health(@Res() response: Response): Promise<void> {
    const probe = (query: () => Promise<unknown>) =>
      query().then(
        () => ({ status: 'up' }),
        (error: unknown) => ({ status: 'down', message: error instanceof Error ? error.message : String(error) }),
      );
    const checks = await Promise.all([
      probe(() => this.databases.own.query('SELECT 1')),
      ...SAGA_SERVICES.map((service) => probe(() => this.databases.read(service, 'SELECT 1'))),
    ]);
    const details = Object.fromEntries(
      ['console', ...SAGA_SERVICES].map((name, index) => [`${name}-database`, checks[index]]),
    );
    const up = checks.every((check) => check.status === 'up');
    response.status(up ? 200 : 503).json({ status: up ? 'ok' : 'error', details });
  }
}
