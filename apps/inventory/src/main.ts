import { runService } from '@app/consistency';
import { inventoryManifest } from './inventory.manifest';
import { InventoryModule } from './inventory.module';

runService({ manifest: inventoryManifest, module: (config) => InventoryModule.forRoot(config) });
