import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CompaniesService, mapPage, Principal, SitesService } from '@symbiose/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiAuth, ApiErrors } from './api-docs';
import {
  CreateCompanyRequest,
  CreateSiteRequest,
  ListCompaniesQuery,
  UpdateCompanyRequest,
} from './dto/identity.requests';
import { CompanyPage, CompanyResponse, SiteResponse } from './dto/identity.responses';
import { ResourceIdPipe } from './resource-id.pipe';

@ApiTags('companies')
@ApiAuth()
@Roles('admin', 'coordinator', 'officer')
@Controller('companies')
export class CompaniesController {
  constructor(
    private readonly companies: CompaniesService,
    private readonly sites: SitesService,
  ) {}

  @Post()
  @Roles('admin', 'coordinator')
  @ApiOperation({ summary: 'Register a company' })
  @ApiCreatedResponse({ type: CompanyResponse })
  @ApiErrors(400, 401, 403, 409)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateCompanyRequest,
  ): Promise<CompanyResponse> {
    return CompanyResponse.from(await this.companies.create(principal, body));
  }

  @Get()
  @ApiOperation({ summary: 'List companies (an officer sees only their own)' })
  @ApiOkResponse({ type: CompanyPage })
  @ApiErrors(400, 401, 403)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListCompaniesQuery,
  ): Promise<CompanyPage> {
    const page = await this.companies.list(principal, { country: query.country }, query.toPageRequest());
    return mapPage(page, CompanyResponse.from);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: CompanyResponse })
  @ApiErrors(401, 403, 404)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('Company')) id: string,
  ): Promise<CompanyResponse> {
    return CompanyResponse.from(await this.companies.get(principal, id));
  }

  @Patch(':id')
  @Roles('admin', 'coordinator')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: CompanyResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('Company')) id: string,
    @Body() body: UpdateCompanyRequest,
  ): Promise<CompanyResponse> {
    return CompanyResponse.from(await this.companies.update(principal, id, body));
  }

  @Post(':id/sites')
  @ApiOperation({ summary: 'Add a site to a company (an officer: their own company)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCreatedResponse({ type: SiteResponse })
  @ApiErrors(400, 401, 403, 404)
  async createSite(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('Company')) id: string,
    @Body() body: CreateSiteRequest,
  ): Promise<SiteResponse> {
    return SiteResponse.from(await this.sites.create(principal, id, body));
  }
}
