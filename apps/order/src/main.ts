import { runService } from '@app/consistency';
import { orderManifest } from './order.manifest';
import { OrderModule } from './order.module';

runService({ manifest: orderManifest, module: (config) => OrderModule.forRoot(config) });
