import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import type { Request } from 'express';
import { Idempotent } from '@app/consistency';
import { OrdersService, OrderView } from './orders.service';
import { PlaceOrderDto } from './place-order.dto';

/** Keys are scoped per customer: two customers may send the same Idempotency-Key. */
function customerOf(request: Request): string | undefined {
  const customerId = (request.body as { customerId?: unknown } | undefined)?.customerId;
  return typeof customerId === 'string' ? customerId : undefined;
}

@Controller('orders')
export class OrdersHttpController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(202)
  @Idempotent({ client: customerOf })
  place(@Body() request: PlaceOrderDto): Promise<Pick<OrderView, 'orderId' | 'status'>> {
    return this.orders.placeOrder(request);
  }

  @Get(':id')
  get(@Param('id', new ParseUUIDPipe({ version: '4' })) orderId: string): Promise<OrderView> {
    return this.orders.getOrder(orderId);
  }
}
