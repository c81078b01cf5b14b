import { HACKLOAD_DATE, searchScenario } from './catalog.events-list.ts';

export default searchScenario('catalog.search-championship-date', 'Чемпионат', HACKLOAD_DATE);
