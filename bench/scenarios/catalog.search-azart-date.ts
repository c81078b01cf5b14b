import { HACKLOAD_DATE, searchScenario } from './catalog.events-list.ts';

export default searchScenario('catalog.search-azart-date', 'азарт', HACKLOAD_DATE);
