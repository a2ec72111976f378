import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { Roles } from '@app/consistency';
import { SetStockDto } from './set-stock.dto';
import { ParseSkuPipe } from './sku.pipe';
import { StockView } from './stock.repository';
import { StockService } from './stock.service';

@Controller('inventory')
export class StockHttpController {
  constructor(private readonly stock: StockService) {}

  @Put(':sku')
  @Roles('admin')
  set(@Param('sku', ParseSkuPipe) sku: string, @Body() request: SetStockDto): Promise<StockView> {
    return this.stock.setAvailable(sku, request.available);
  }

  @Get(':sku')
  get(@Param('sku', ParseSkuPipe) sku: string): Promise<StockView> {
    return this.stock.getStock(sku);
  }
}
