import { Controller, Get, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { isAdmin } from '@app/consistency';
import { Session } from '../auth/session.decorator';
import type { AuthenticatedRequest } from '../auth/session';
import type { Timeline } from './timeline';
import { TimelineService } from './timeline.service';
import { timelinePage } from './timeline.view';

/** One order's saga timeline: a page, and the JSON behind it. The owner or an admin; others get 404. */
@Controller()
export class TimelineHttpController {
  constructor(private readonly timelines: TimelineService) {}

  @Get('api/orders/:id/timeline')
  timeline(@Param('id', new ParseUUIDPipe()) id: string, @Session() session: AuthenticatedRequest): Promise<Timeline> {
    return this.visible(id, session);
  }

  @Get('orders/:id')
  async page(@Param('id', new ParseUUIDPipe()) id: string, @Session() session: AuthenticatedRequest): Promise<string> {
    return timelinePage(await this.visible(id, session), session);
  }

  private async visible(id: string, { principal }: AuthenticatedRequest): Promise<Timeline> {
    const timeline = await this.timelines.timeline(id);
    if (!timeline || (!isAdmin(principal) && timeline.customerId !== principal.sub)) {
      throw new NotFoundException(`no order ${id}`);
    }
    return timeline;
  }
}
