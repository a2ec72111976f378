import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Public } from '../auth/access.decorators';
import { CONSOLE_CSS, CONSOLE_JS } from './assets';

// uPlot is served from the installed package, resolved from where the suite is installed (the
// bundle's own location says nothing about node_modules).
const fromPackage = createRequire(join(process.cwd(), 'package.json'));

/** The console's stylesheet and script, and uPlot's, from this server: no CDN. */
@Public()
@Controller('assets')
export class AssetsHttpController {
  @Get('console.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'no-cache')
  css(): string {
    return CONSOLE_CSS;
  }

  @Get('console.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-cache')
  script(): string {
    return CONSOLE_JS;
  }

  @Get('uplot.js')
  uplot(@Res() response: Response): void {
    response.type('text/javascript').sendFile(fromPackage.resolve('uplot/dist/uPlot.iife.min.js'));
  }

  @Get('uplot.css')
  uplotCss(@Res() response: Response): void {
    response.type('text/css').sendFile(fromPackage.resolve('uplot/dist/uPlot.min.css'));
  }
}
