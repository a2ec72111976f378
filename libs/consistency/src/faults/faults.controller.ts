import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { IsIn, IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { FAULT_KINDS, FaultAction, FaultInjector, FaultPoint } from './fault-points';

export class ArmFaultDto {
  @IsIn(FAULT_KINDS)
  kind!: (typeof FAULT_KINDS)[number];

  /** Delay of a `delay` fault. */
  @ValidateIf((dto: ArmFaultDto) => dto.kind === 'delay')
  @IsInt()
  @Min(0)
  @Max(600_000)
  ms?: number;

  /** Hits before the point disarms itself; absent, every hit. */
  @IsOptional()
  @IsInt()
  @Min(1)
  times?: number;
}

export interface FaultsView {
  points: readonly FaultPoint[];
  armed: Partial<Record<FaultPoint, FaultAction>>;
}

/**
 * Arms and disarms fault points at runtime, for the failure-injection suite. Mounted only when
 * fault injection is switched on, so in production `/faults` does not exist (404); admins only.
 */
@ApiTags('faults')
@Roles('admin')
@Controller('faults')
export class FaultsController {
  constructor(private readonly faults: FaultInjector) {}

  @Get()
  list(): FaultsView {
    return { points: this.faults.points, armed: this.faults.snapshot() };
  }

  @Put(':point')
  arm(@Param('point') point: string, @Body() body: ArmFaultDto): FaultsView {
    const { kind, ms = 0, times } = body;
    const action: FaultAction = kind === 'delay' ? { kind, ms } : { kind };
    this.faults.arm(this.known(point), times === undefined ? action : { ...action, times });
    return this.list();
  }

  @Delete(':point')
  @HttpCode(204)
  disarm(@Param('point') point: string): void {
    this.faults.disarm(this.known(point));
  }

  @Delete()
  @HttpCode(204)
  disarmAll(): void {
    this.faults.disarm();
  }

  private known(point: string): FaultPoint {
    if (!this.faults.points.includes(point)) {
      throw new NotFoundException(`unknown fault point "${point}"; known: ${this.faults.points.join(', ')}`);
    }
    return point;
  }
}
