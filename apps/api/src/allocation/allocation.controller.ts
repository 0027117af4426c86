import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AllocationService, Principal } from '@symbiose/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Roles } from '../auth/roles.decorator';
import { PaginationQuery } from '../common/pagination.dto';

@ApiTags('allocation')
@ApiBearerAuth()
@Controller('allocation')
export class AllocationController {
  constructor(private readonly allocation: AllocationService) {}

  @Get()
  @Roles('coordinator', 'admin')
  @ApiOperation({
    summary: 'The latest region-wide allocation plan',
    description:
      'Totals of the LP plan (maximum net CO2 avoided with no stream used beyond its quantity), of the greedy ' +
      'plan and of the naive sum of pairwise estimates (an upper bound, never a region total), and the plan ' +
      'items (largest CO2 first, paginated). Computed over the stored qualifying matches (top K per stream). ' +
      'Before the first plan: id null, status "none", zero totals, no items.',
  })
  latest(@CurrentPrincipal() p: Principal, @Query() q: PaginationQuery) {
    return this.allocation.latest(p, q.page, q.pageSize);
  }

  @Get('history')
  @Roles('coordinator', 'admin')
  @ApiOperation({ summary: 'The kept allocation plans (newest first) with their totals, for comparison' })
  history(@CurrentPrincipal() p: Principal, @Query() q: PaginationQuery) {
    return this.allocation.history(p, q.page, q.pageSize);
  }

  @Get('streams/:id')
  @Roles('officer', 'coordinator', 'admin')
  @ApiOperation({
    summary: 'What the latest plan assigns to one stream',
    description:
      "The stream's plan items and the total assigned against its quantity. Officers: own company's streams " +
      'only (another company’s stream is a 404); the counterpart is anonymous until mutual interest, as in ' +
      'GET /matches, and numbers resting on an anonymous counterpart are rounded to two significant figures.',
  })
  forStream(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.allocation.forStream(p, id);
  }
}
