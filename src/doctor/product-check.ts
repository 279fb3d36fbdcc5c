import type { DoctorConfig } from '../config/doctor-config.js';
import { fail, pass, type CheckRow } from './report.js';

export function checkProductCode(config: DoctorConfig): CheckRow {
  if (!config.productCode.ok) return fail('product-code', config.productCode.error.code, config.productCode.error.message, 'use the product code of your AWS Marketplace listing (1-255 characters from A-Z a-z 0-9 - / = : _ . @).');
  const product = config.productCode.value;
  if (!product) return fail('product-code', 'CONFIG_INVALID', 'no product code (--product-code or METERING_GATE_PRODUCT_CODE)', 'set METERING_GATE_PRODUCT_CODE (the Helm value productCode) to your AWS Marketplace product code.');
  if (!config.trustedProductCodes.ok) return fail('product-code', config.trustedProductCodes.error.code, config.trustedProductCodes.error.message, 'give a comma-separated list of your paid product codes.');
  const trusted = config.trustedProductCodes.value;
  if (trusted && !trusted.includes(product.code)) {
    return fail('product-code', 'PRODUCT_CODE_UNTRUSTED', `${product.code} (from ${product.from}) is not in the trusted list ${trusted.join(', ')}`, 'set the product code to one of the trusted codes; the list exists so a free product\'s code cannot stand in for a paid one.');
  }
  if (trusted) return pass('product-code', `${product.code} (from ${product.from}), in the trusted list`);
  return pass('product-code', `${product.code} (from ${product.from}); no trusted list`, 'if customers can change the product code (Helm values, task definitions), set --trusted-product-codes to your paid codes.');
}
