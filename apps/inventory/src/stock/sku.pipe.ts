import { BadRequestException, PipeTransform } from '@nestjs/common';
import { SKU_PATTERN, SKU_RULE } from '@app/contracts';

/** Refuses a `:sku` path segment that no stock row could have, before any query runs. */
export class ParseSkuPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!SKU_PATTERN.test(value)) {
      throw new BadRequestException(SKU_RULE);
    }
    return value;
  }
}
