import { HACKLOAD_DATE, searchScenario } from './catalog.events-list.ts';

export default searchScenario('catalog.search-kozlov-date', 'Дмитрий Козлов', HACKLOAD_DATE);
