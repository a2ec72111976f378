import { Controller, Get } from '@nestjs/common';
import { AdminOnly } from '../auth/access.decorators';
import { Session } from '../auth/session.decorator';
import type { AuthenticatedRequest } from '../auth/session';
import { InvariantWatch } from './invariant-watch';
import type { InvariantResult } from './invariant-watch';
import { MetricsHistory } from './metrics-history';
import type { Series } from './metrics-history';
import { OverviewService } from './overview.service';
import type { Overview } from './overview.service';
import { overviewPage } from './overview.view';

/** The overview over every customer's orders: admin only. */
@AdminOnly()
@Controller()
export class OverviewHttpController {
  constructor(
    private readonly overviews: OverviewService,
    private readonly invariants: InvariantWatch,
    private readonly metrics: MetricsHistory,
  ) {}

  @Get()
  async page(@Session() session: AuthenticatedRequest): Promise<string> {
    return overviewPage(await this.overviews.overview(), this.invariants.result(), this.metrics.current(), session);
  }

  @Get('api/overview')
  async overview(): Promise<Overview & { invariants?: InvariantResult; series: Series }> {
    return {
      ...(await this.overviews.overview()),
      invariants: this.invariants.result(),
      series: this.metrics.current(),
    };
  }

  @Get('api/overview/series')
  series(): Series {
    return this.metrics.current();
  }
}
