import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import type { Response } from 'express';
import { AdmissionControlled, CurrentPrincipal, Idempotent, Roles } from '@app/consistency';
import type { Principal } from '@app/consistency';
import { OrdersService, OrderView } from './orders.service';
import { PlaceOrderDto } from './place-order.dto';
import { LongPollQuery, WAIT_RULE, WAIT_UNTIL } from './wait-duration';
import type { LongPoll } from './wait-duration';

@Controller('orders')
export class OrdersHttpController {
  constructor(private readonly orders: OrdersService) {}

  /**
   * The customer is the token's `sub`; the Location header names where to follow the order. Past
   * capacity the order is refused with 503 and Retry-After before anything is written.
   */
  @Post()
  @HttpCode(202)
  @Roles('customer', 'admin')
  @AdmissionControlled()
  @Idempotent()
  async place(
    @CurrentPrincipal() principal: Principal,
    @Body() request: PlaceOrderDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Pick<OrderView, 'orderId' | 'status'>> {
    const placed = await this.orders.placeOrder(principal.sub, request);
    response.setHeader('Location', `/orders/${placed.orderId}`);
    return placed;
  }

  /** Someone else's order is answered like a missing one, so order ids reveal nothing. */
  @Get(':id')
  @ApiQuery({
    name: 'wait',
    required: false,
    description: `long poll: answer once the status changes, or when this wait ends (${WAIT_RULE})`,
  })
  @ApiQuery({
    name: 'until',
    required: false,
    enum: WAIT_UNTIL,
    description: 'with wait: `change` (default) answers on any new status, `terminal` only on COMPLETED or CANCELLED',
  })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe({ version: '4' })) orderId: string,
    @LongPollQuery() longPoll: LongPoll,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OrderView> {
    const client = new AbortController();
    // Also fires once the answer is sent, when nothing waits any more.
    response.once('close', () => client.abort());
    return this.orders.waitForOrder(orderId, principal, longPoll, client.signal);
  }
}
