import { MAX_SUBJECT_LENGTH } from '@app/consistency';
import { SKU_PATTERN, SKU_RULE } from '@app/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export class OrderLineDto {
  // The event contract's rule: an order the DTO accepts must make an order.created its consumers accept.
  @IsString()
  @Matches(SKU_PATTERN, { message: SKU_RULE })
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(10_000)
  quantity!: number;
}

export class ShippingAddressDto {
  @Matches(/^[A-Z]{2}$/, { message: 'shippingAddress.country must be an ISO 3166-1 alpha-2 code such as DE' })
  country!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  line1?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  city?: string;

  @IsOptional()
  @IsString()
  @MaxLength(20)
  postalCode?: string;
}

export class PlaceOrderDto {
  /** Optional: the customer is the bearer token's `sub`; when given, it must be that. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_SUBJECT_LENGTH)
  customerId?: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OrderLineDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  items!: OrderLineDto[];

  @IsObject()
  @ValidateNested()
  @Type(() => ShippingAddressDto)
  shippingAddress!: ShippingAddressDto;
}
