import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { AdminOnly } from '../auth/access.decorators';
import { Session } from '../auth/session.decorator';
import type { AuthenticatedRequest } from '../auth/session';
import { DeadLettersService, DeadLetterView, DryRun, ReplayRecord } from './dead-letters.service';
import { deadLettersIndexPage, deadLettersPage, dryRunPage, replayedPage } from './dead-letters.view';
import { digestOf, selectionOf } from './selection';

/** The dead-letter browser, its dry run and its audited replay: pages and the JSON API; admin only. */
@AdminOnly()
@Controller()
export class DeadLettersHttpController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get('api/dead-letters/:topic')
  list(@Param('topic') topic: string): Promise<DeadLetterView[]> {
    return this.deadLetters.list(topic);
  }

  @Post('api/dead-letters/:topic/dry-run')
  @HttpCode(200)
  dryRun(@Param('topic') topic: string, @Body() body: unknown): Promise<DryRun> {
    return this.deadLetters.dryRun(topic, selectionOf(body));
  }

  @Post('api/dead-letters/:topic/replay')
  @HttpCode(200)
  replay(
    @Param('topic') topic: string,
    @Body() body: unknown,
    @Session() { principal }: AuthenticatedRequest,
  ): Promise<ReplayRecord> {
    return this.deadLetters.replay(topic, selectionOf(body), digestOf(body), principal.sub);
  }

  @Get('api/replays')
  audit(): Promise<ReplayRecord[]> {
    return this.deadLetters.audit();
  }

  @Get('dead-letters')
  async indexPage(@Session() session: AuthenticatedRequest): Promise<string> {
    const [counts, audit] = await Promise.all([this.deadLetters.counts(), this.deadLetters.audit()]);
    return deadLettersIndexPage(counts, audit, session);
  }

  @Get('dead-letters/:topic')
  async topicPage(@Param('topic') topic: string, @Session() session: AuthenticatedRequest): Promise<string> {
    return deadLettersPage(topic, await this.deadLetters.list(topic), session);
  }

  @Post('dead-letters/:topic/dry-run')
  @HttpCode(200)
  async dryRunPage(
    @Param('topic') topic: string,
    @Body() body: unknown,
    @Session() session: AuthenticatedRequest,
  ): Promise<string> {
    const selection = selectionOf(body);
    return dryRunPage(await this.deadLetters.dryRun(topic, selection), selection, session);
  }

  @Post('dead-letters/:topic/replay')
  @HttpCode(200)
  async replayPage(
    @Param('topic') topic: string,
    @Body() body: unknown,
    @Session() session: AuthenticatedRequest,
  ): Promise<string> {
    const record = await this.deadLetters.replay(topic, selectionOf(body), digestOf(body), session.principal.sub);
    return replayedPage(record, session);
  }
}
