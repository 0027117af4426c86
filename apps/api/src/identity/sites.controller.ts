import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { mapPage, Principal, SitesService } from '@symbiose/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiAuth, ApiErrors } from './api-docs';
import { ListSitesQuery, UpdateSiteRequest } from './dto/identity.requests';
import { SitePage, SiteResponse } from './dto/identity.responses';
import { ResourceIdPipe } from './resource-id.pipe';

@ApiTags('sites')
@ApiAuth()
@Roles('admin', 'coordinator', 'officer')
@Controller('sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Get()
  @ApiOperation({ summary: 'List sites (an officer sees only their company’s)' })
  @ApiOkResponse({ type: SitePage })
  @ApiErrors(400, 401, 403)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListSitesQuery): Promise<SitePage> {
    const page = await this.sites.list(
      principal,
      { companyId: query.companyId, region: query.region },
      query.toPageRequest(),
    );
    return mapPage(page, SiteResponse.from);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: SiteResponse })
  @ApiErrors(401, 403, 404)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('Site')) id: string,
  ): Promise<SiteResponse> {
    return SiteResponse.from(await this.sites.get(principal, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Edit a site; coordinates must stay inside the region' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: SiteResponse })
  @ApiErrors(400, 401, 403, 404)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('Site')) id: string,
    @Body() body: UpdateSiteRequest,
  ): Promise<SiteResponse> {
    return SiteResponse.from(await this.sites.update(principal, id, body));
  }
}
