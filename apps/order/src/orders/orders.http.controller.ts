import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentPrincipal, Idempotent, Roles } from '@app/consistency';
import type { Principal } from '@app/consistency';
import { OrdersService, OrderView } from './orders.service';
import { PlaceOrderDto } from './place-order.dto';

@Controller('orders')
export class OrdersHttpController {
  constructor(private readonly orders: OrdersService) {}

  /** The customer is the token's `sub`; the Location header names where to follow the order. */
  @Post()
  @HttpCode(202)
  @Roles('customer', 'admin')
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
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe({ version: '4' })) orderId: string,
  ): Promise<OrderView> {
    return this.orders.getOrder(orderId, principal);
  }
}
