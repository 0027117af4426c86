import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { DeliveriesService, DeliveryView, Paginated, Principal } from '@symbiose/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiAuth, ApiErrors } from '../identity/api-docs';
import { PageQuery } from '../identity/dto/common.dto';
import { ResourceIdPipe } from '../identity/resource-id.pipe';
import { CorrectDeliveryDto, DeliveryPage, DeliveryResponse, RecordDeliveryDto } from './delivery.dto';

const MatchId = () => Param('id', new ResourceIdPipe('Match'));
const DeliveryId = () => Param('id', new ResourceIdPipe('Delivery'));

/**
 * Realised deliveries of active exchanges. Officers of either side of the match record and correct
 * them (another company's match or delivery is a 404), coordinators and admins too; only coordinators
 * and admins verify. Province users only see aggregated reports (403).
 */
@ApiTags('deliveries')
@ApiAuth()
@Controller()
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Post('matches/:id/deliveries')
  @HttpCode(201)
  @Roles('officer', 'coordinator', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({
    summary: "Record a month's delivered quantity on an active exchange",
    description:
      'One delivery per match and month (a second one is a 409: correct it with POST /deliveries/{id}/corrections). ' +
      'The quantity is normalised to the canonical unit; realised energy and CO2 are computed by the engine with the ' +
      'factor set in force for the month and stored with their explanation. A month in the future, before the ' +
      'exchange was activated, or above 1.5 × the agreed annual quantity / 12 (seasonal peaks) is a 400.',
  })
  @ApiCreatedResponse({ type: DeliveryResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  record(
    @CurrentPrincipal() principal: Principal,
    @MatchId() id: string,
    @Body() body: RecordDeliveryDto,
  ): Promise<DeliveryView> {
    return this.deliveries.record(principal, id, body);
  }

  @Get('matches/:id/deliveries')
  @Roles('officer', 'coordinator', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({
    summary: "A match's deliveries with their history",
    description:
      'Newest month first; superseded deliveries are listed (current: false) after their correction.',
  })
  @ApiOkResponse({ type: DeliveryPage })
  @ApiErrors(400, 401, 403, 404)
  list(
    @CurrentPrincipal() principal: Principal,
    @MatchId() id: string,
    @Query() query: PageQuery,
  ): Promise<Paginated<DeliveryView>> {
    return this.deliveries.listForMatch(principal, id, query.toPageRequest());
  }

  @Get('deliveries/:id')
  @Roles('officer', 'coordinator', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: DeliveryResponse })
  @ApiErrors(401, 403, 404)
  get(@CurrentPrincipal() principal: Principal, @DeliveryId() id: string): Promise<DeliveryView> {
    return this.deliveries.get(principal, id);
  }

  @Post('deliveries/:id/corrections')
  @HttpCode(201)
  @Roles('officer', 'coordinator', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({
    summary: 'Correct a delivery',
    description:
      'Creates the corrected delivery for the same month (unverified) and marks this one superseded: the history ' +
      'stays, only the current one counts in reports. Correcting a superseded delivery is a 409.',
  })
  @ApiCreatedResponse({ type: DeliveryResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  correct(
    @CurrentPrincipal() principal: Principal,
    @DeliveryId() id: string,
    @Body() body: CorrectDeliveryDto,
  ): Promise<DeliveryView> {
    return this.deliveries.correct(principal, id, body);
  }

  @Post('deliveries/:id/verify')
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({
    summary: 'Verify a delivery (coordinator)',
    description:
      'Verified deliveries make up the realised basis of reports. Verifying again changes nothing.',
  })
  @ApiOkResponse({ type: DeliveryResponse })
  @ApiErrors(401, 403, 404, 409)
  verify(@CurrentPrincipal() principal: Principal, @DeliveryId() id: string): Promise<DeliveryView> {
    return this.deliveries.verify(principal, id);
  }
}
