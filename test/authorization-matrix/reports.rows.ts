import { line, MatrixFeature } from './matrix';

const Q = 'from=2025-01&to=2025-06';

/**
 * Issue #8: savings reports. Province users (their own region only; another region is a 403),
 * coordinators and admins; officers get a 403. The summary check is for coordinators and admins (an
 * invalid body proves who may request one without queueing it).
 */
export const reportsMatrix: MatrixFeature = {
  name: 'reports',
  prefixes: ['/reports'],
  // prettier-ignore
  lines: [
    //   method  path template                                                  admin coord offA offB prov anon
    line('GET',  `/reports/savings?${Q}`,                                        200, 200, 403, 403, 200, 401),
    line('GET',  `/reports/savings?${Q}&groupBy=period,category,region&period=quarter`, 200, 200, 403, 403, 200, 401),
    line('GET',  `/reports/savings?${Q}&basis=approved&attribution=supplier`,    200, 200, 403, 403, 200, 401),
    line('GET',  `/reports/savings?${Q}&basis=potential&groupBy=region`,         200, 200, 403, 403, 200, 401),
    line('GET',  `/reports/savings?${Q}&format=csv`,                             200, 200, 403, 403, 200, 401),
    line('GET',  `/reports/savings?${Q}&format=svg`,                             200, 200, 403, 403, 200, 401),
    line('GET',  `/reports/savings?${Q}&region=BE-VOV`,                          200, 200, 403, 403, 200, 401),
    line('GET',  `/reports/savings?${Q}&region=NL-ZE`,                           200, 200, 403, 403, 403, 401, { note: "another province's region" }),
    line('GET',  '/reports/savings?from=2025-06&to=2025-01',                     400, 400, 403, 403, 400, 401),
    line('POST', '/reports/summary-checks',                                      400, 400, 403, 403, 403, 401, { body: { repair: 'yes' } }),
    line('GET',  '/reports/summary-checks/999999999',                            404, 404, 403, 403, 403, 401),
  ],
};
