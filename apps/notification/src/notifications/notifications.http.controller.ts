import { Controller, Get, ParseUUIDPipe, Query } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Notification } from './notification.entity';

@Controller('notifications')
export class NotificationsHttpController {
  constructor(@InjectRepository(Notification) private readonly notifications: Repository<Notification>) {}

  @Get()
  list(@Query('orderId', new ParseUUIDPipe()) orderId: string): Promise<Notification[]> {
    return this.notifications.find({ where: { orderId }, order: { createdAt: 'ASC' } });
  }
}
