import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { SetStockDto } from './set-stock.dto';
import { StockService, StockView } from './stock.service';

@Controller('inventory')
export class StockHttpController {
  constructor(private readonly stock: StockService) {}

  @Put(':sku')
  set(@Param('sku') sku: string, @Body() request: SetStockDto): Promise<StockView> {
    return this.stock.setAvailable(sku, request.available);
  }

  @Get(':sku')
  get(@Param('sku') sku: string): Promise<StockView> {
    return this.stock.getStock(sku);
  }
}
