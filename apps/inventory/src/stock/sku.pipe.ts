import { BadRequestException, PipeTransform } from '@nestjs/common';

/** A SKU: a letter or digit, then up to 63 letters, digits, ".", "_", ":" or "-". */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Refuses a `:sku` path segment that no stock row could have, before any query runs. */
export class ParseSkuPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!SKU_PATTERN.test(value)) {
      throw new BadRequestException(
        'sku must be 1 to 64 characters: a letter or digit, then letters, digits, ".", "_", ":" or "-"',
      );
    }
    return value;
  }
}
