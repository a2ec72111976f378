import { runService } from '@app/consistency';
import { shippingManifest } from './shipping.manifest';
import { ShippingModule } from './shipping.module';

runService({ manifest: shippingManifest, module: (config) => ShippingModule.forRoot(config) });
