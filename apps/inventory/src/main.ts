import { runService } from '@app/consistency';
import { InventoryModule } from './inventory.module';
import { INVENTORY_CONSUMES } from './inventory.topics';

runService({ service: 'inventory', module: (config) => InventoryModule.forRoot(config), consumes: INVENTORY_CONSUMES });
