import { Module } from '@nestjs/common';
import { AllocationDomainModule } from '@symbiose/domain';
import { AllocationController } from './allocation.controller';

@Module({ imports: [AllocationDomainModule], controllers: [AllocationController] })
export class AllocationApiModule {}
